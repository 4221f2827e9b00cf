"""The pure core: statistics, the recommendation rule, prices and the refusal detector.

Functions of stored rows to figures and decisions: no LLM, no database, no network.
Everything here is tested without any fake.
"""
