"""The read side: a stored run -> its verdict (``verdict.run_verdict``, the one path every
face uses), the data the reports draw, and the advisor's read-only questions."""
