"""What the relay and the kiosk agree on about certificates.

The catalogue of certificate types, the document data the relay returns (and its
canonical encoding and hash), and the binding that ties one document to one session.
Both the relay and the kiosk import this package, so the two sides cannot drift apart.
"""
