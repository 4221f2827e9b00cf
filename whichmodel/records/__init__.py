"""The typed records of the data path, one per stage, shared by every room above:

history item (``history``) -> stored prompt (``runs.Prompt``) -> replay request
(``runs.Replay``) -> stored answer (``answers.AnswerRecord``) -> score
(``answers.ScoreRecord`` / ``answers.PairwiseRecord``) -> the verdict's inputs (the run,
``runs.Run``, and its answers as columns, ``verdict.rows.Answers``) -> the
recommendation (``verdict.Recommendation``). Data only: no I/O, no SQL."""
