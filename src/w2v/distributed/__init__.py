"""Data-parallel training on a Dask cluster (``pip install 'w2v[distributed]'``).

``train(client, corpus_file, **params)`` trains a ``Word2Vec`` with the corpus cut into
shards that the cluster's workers train in rounds, merging the changes they made between
rounds, worker to worker (the frequent words' rows every round, rarer ones less often);
``build_vocab(client, model, corpus_file)`` counts the vocabulary on the cluster. See
``docs/distributed.md``.
"""

from w2v.distributed.cluster import TRAINING_DASK_CONFIG
from w2v.distributed.driver import build_vocab, train
from w2v.distributed.settings import DEFAULT_ROUNDS_PER_EPOCH, DISTRIBUTED_PARAMS

__all__ = [
    "DEFAULT_ROUNDS_PER_EPOCH",
    "DISTRIBUTED_PARAMS",
    "TRAINING_DASK_CONFIG",
    "build_vocab",
    "train",
]
