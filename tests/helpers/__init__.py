"""Test helpers shared by the test modules: repositories, the in-process CLI, sample texts, a browser.

Test modules import from here, never from each other; fixtures live in tests/helpers/fixtures.py,
which conftest.py registers.
"""
