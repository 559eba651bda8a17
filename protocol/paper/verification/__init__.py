"""The parts of certificate verification (:mod:`protocol.paper.verify` puts them together).

``limits`` holds every bound on the work one input may cause; ``intake`` turns a file
into page rasters within those bounds (PDFs through ``pdf_guard`` and the sandboxed
``pdf_raster`` child); ``backside`` finds and unscrambles the scrambled face on a back;
``compare`` registers a front to the recovered face and finds the regions that differ;
``wording`` says what each verdict means, in English and Japanese.
"""
