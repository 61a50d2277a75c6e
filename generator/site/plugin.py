"""The MkDocs plugin ``briefings``: everything this project adds to a MkDocs build.

Registered as an entry point (pyproject.toml, ``mkdocs.plugins``) and listed
under ``plugins:`` in mkdocs.yml after ``search``. Options::

    plugins:
      - search
      - briefings:
          feeds_yaml: feeds.yaml   # site name, description and URL come from here
          jobs: auto               # processes for the briefing pages: a number, or auto

Each build's state lives on the plugin instance, in one object per job
(MkDocs keeps the instance from one ``mkdocs serve`` rebuild to the next, as
it has an ``on_startup``); the jobs themselves are in the modules beside this one.
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from generator.config import load_config
from generator.errors import ConfigErrors
from generator.models import PLATFORMS
from generator.render import SIGNIFICANCE_LABELS

from .briefing_page import LatestBriefings, hide_sidebars, is_briefing, with_chart
from .escape import escape_meta
from .links import PageLinks
from .parallel import ParallelBuild, jobs_from_env
from .search import CompactSearch

#: The plugin's name in mkdocs.yml (the entry point's name in pyproject.toml).
NAME = "briefings"


class Jobs(c.BaseConfigOption[int | None]):
    """A number of processes (1 or more), or 'auto' (None)."""

    def __init__(self, default: int | str = "auto") -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> int | None:
        if value in (None, "auto"):
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(f"must be a whole number of processes (1 or more) or 'auto', not {value!r}")
        return value


class BriefingsConfig(base.Config):
    #: The project's feeds.yaml (relative to mkdocs.yml): the site's name, description and URL.
    feeds_yaml = c.File(exists=True, default="feeds.yaml")
    #: Processes that build the briefing pages; 'auto': BRIEFINGS_SITE_JOBS, else one per CPU.
    jobs = Jobs()


class BriefingsPlugin(BasePlugin[BriefingsConfig]):
    def __init__(self) -> None:
        self.dirty = False
        self.search = CompactSearch()
        self.links = PageLinks()
        self.latest = LatestBriefings()
        self.parallel = ParallelBuild()

    def on_startup(self, *, command, dirty):
        self.dirty = dirty
        self.parallel.dirty = dirty
        self.parallel.serving = command == "serve"

    def on_config(self, config):
        self.parallel.reap()
        self.asked_jobs()  # a bad setting fails here, before anything is built
        self.search.start(dirty=self.dirty)
        self.links.reset()
        if not self.dirty:
            self.latest.reset()
        try:
            settings = load_config(self.config.feeds_yaml)
        except ConfigErrors as exc:
            raise PluginError(f"{self.config.feeds_yaml} is not valid:\n{exc}") from exc
        config.extra["platform_labels"] = dict(PLATFORMS)
        config.extra["significance_labels"] = dict(SIGNIFICANCE_LABELS)
        config.site_name = settings.site.title
        config.site_description = settings.site.description
        config.site_url = settings.site.url
        return config

    def asked_jobs(self) -> int | None:
        """The process count asked for (``jobs``, else BRIEFINGS_SITE_JOBS); None: as many as CPUs."""
        return self.config.jobs if self.config.jobs is not None else jobs_from_env()

    @event_priority(-100)  # the last: the navigation as every other plugin left it
    def on_nav(self, nav, *, config, files):
        self.parallel.fork(self.asked_jobs(), config, files, nav)
        return nav

    def on_pre_page(self, page, *, config, files):
        self.parallel.pre_page(page)
        return page

    def on_page_read_source(self, *, page, config):
        return self.parallel.read_source(page)

    @event_priority(100)  # before any other plugin sees the page: a page built elsewhere is marked
    def _parallel_markdown(self, markdown, *, page, config, files):
        return self.parallel.markdown(markdown, page)

    def _page_markdown(self, markdown, *, page, config, files):
        # A page another process builds is not rendered here: that process resolves (and warns about) its links.
        if self.parallel.builds_here(page):
            self.links.read(page, files)
        escape_meta(page.meta)
        self.search.read(page)
        if is_briefing(page.meta):
            hide_sidebars(page.meta)
            self.latest.read(page)
        return markdown

    def on_page_content(self, html, *, page, config, files):
        return with_chart(html, page.meta) if is_briefing(page.meta) else html

    on_page_markdown = CombinedEvent(_parallel_markdown, _page_markdown)

    @event_priority(-100)
    def on_env(self, env, *, config, files):
        return self.parallel.env(env, files)

    def on_template_context(self, context, *, template_name, config):
        if template_name == "404.html":  # built after every page is read: the briefings are all known
            context["latest_briefings"] = self.latest.latest()
        return context

    def on_page_context(self, context, *, page, config, nav):
        context["page_links"] = self.links.context(page)
        return context

    @event_priority(100)  # first: later post-build work sees every page written
    def _workers_done(self, *, config):
        self.parallel.finish()

    @event_priority(-100)  # last: after the search plugin wrote its index
    def _write_search_index(self, *, config):
        self.search.write(config.site_dir)

    on_post_build = CombinedEvent(_workers_done, _write_search_index)

    def on_build_error(self, *, error):
        self.parallel.reap()

    def on_shutdown(self):
        self.parallel.reap()
