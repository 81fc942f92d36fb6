"""Test helpers shared by the test modules: repositories, the in-process CLI, sample texts, a browser.

Test modules import from here, never from each other (a fixture imported from another test module
runs that module's autouse fixtures too, and lint reports each test that names it as a redefinition).
Fixtures shared by several modules live in tests/conftest.py. In place of the old cross-module imports:

    from test_ledger import fixed_day, repo     pytestmark = [pytest.mark.alliance(templates=False),
                                                              pytest.mark.usefixtures("fixed_day")]
    from test_ledger import S                   from helpers.ledger import S (and DAY)
    from test_review_word import WordEdits      from helpers.word import WordEdits
    from test_redline_texts import sample       from helpers.redline_texts import sample
    from test_release import endorsed, ...      from helpers.release import endorsed, ...
    from test_site import HOSTILE, site_repo    from helpers.site import HOSTILE (site_repo is in conftest)
    from _browser import Browser, ...           from helpers.browser import launched, ...

The names that test modules import from conftest (run, git, write, make_alliance, STATEMENT, PARTNERS,
ROOT) are still there; they come from helpers.alliance.
"""
