"""The DMS reader's entry in a fresh interpreter (the `spawn` start, importing.reader): nothing here imports
Django's models, which a spawned process may import only once Django is set up."""

import pickle


def spawned_reader(connection, job: bytes) -> None:
    """Set Django up (the parsers use the models' fields), then read as a forked reader does."""
    import django

    django.setup(set_prefix=False)
    from .reader import serve

    serve(connection, pickle.loads(job))  # noqa: S301 - pickled by the importing process that started us
