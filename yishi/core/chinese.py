"""Cutting Chinese text into words: jieba, loaded quietly, one tokenizer per use.

Each user (the opinions' search and routing with their dictionary of place and governance terms,
moderation with the district's sensitive words) builds a tokenizer of its own, so the words one
teaches it never change how another cuts."""

import logging
import warnings


def new_tokenizer():
    """A fresh, initialised jieba tokenizer (about a second and some 50 MB: build it once per
    process and keep it)."""
    with warnings.catch_warnings():  # jieba 0.42's regexes: invalid escapes
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer
