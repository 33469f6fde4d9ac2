"""minimoe: build MiniMax-M1 small.

A teaching library that builds a scaled-down hybrid lightning-attention Mixture-of-Experts,
trains it on verifiable reasoning tasks and improves it with CISPO. The course notebooks in
``lessons/`` and ``solutions/`` import from here what earlier lessons built.
"""

__version__ = "0.1.0"
