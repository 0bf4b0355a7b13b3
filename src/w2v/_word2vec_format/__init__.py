"""The parsers and writers behind :mod:`w2v.word2vec_format` (import that module instead).

:mod:`.common` (errors, opening files, the header, a growable row buffer), :mod:`.binary` and
:mod:`.text` (the row parsers of the two layouts), :mod:`.reader` and :mod:`.writer` (whole
files).
"""
