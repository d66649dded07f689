"""Quizzes: the question bank, generated items, versions and answer keys.

Pure Python: no templates and no files. ``bank`` holds the content models,
``questions`` the normalized question every item becomes, ``generate`` the items
made from handout content, ``versions`` the seeded shuffling and the keys.
"""
