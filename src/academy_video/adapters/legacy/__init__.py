"""The old Django app's database, read for ``import django`` (``reader.py``; the table and
column names it reads, with the old app's as defaults, in ``names.py``) and for ``--verify``
(the old app's answers by its own rules, ``old_rules.py``, its rules by answer in
``old_policy_rules.py`` and ``old_score_rules.py``)."""
