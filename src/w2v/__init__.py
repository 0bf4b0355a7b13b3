"""w2v: fast word2vec with a gensim-compatible API."""
