"""Hard negative captions."""
