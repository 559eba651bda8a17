"""The public verification of printed certificates, for the people they are handed to.

``answer`` runs the verification core (:mod:`protocol.paper.verify`) on uploaded files
with the keys only the verification service holds and makes the answer (JSON for the
``/v1/verify`` API, and the images a person looks at); ``page`` is the web page a bank, a
landlord or an employer opens, in Japanese and English. Nothing uploaded is kept: the
files live in the request's memory until the answer is sent.
"""
