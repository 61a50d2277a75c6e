"""Write briefings and the site's index pages as Markdown under docs/.

This is the only module that writes Markdown, and the one place where text
from feeds or models is escaped: every string is plain text until
:func:`md_escape` (for Markdown) or :func:`html.escape` (inside HTML blocks)
turns it into markup that renders as exactly that text. Links to sources
must be http(s); footnotes are numbered here, by first appearance.

Files are written atomically (temporary file, then rename) and only when
their bytes change, so a rebuild with nothing new writes nothing.
"""

# The stages call ``render.<name>``; the modules below hold the pieces:
# briefing (escaping, one briefing's file), entries (briefings read back from
# docs/), pages (related briefings, index pages), feeds (RSS and JSON feeds
# with each briefing's text), files (writing).
from ..models import platform_label  # noqa: F401
from .briefing import (  # noqa: F401
    BRIEFINGS_DIR,
    FOLLOWS_KEY,
    FOOTNOTES_MARKER,
    HAND_EDITED_KEY,
    HOME_EDITIONS,
    KEY_ORDER,
    LEVELS,
    RELATED_KEY,
    RENDER_VERSION,
    SIGNIFICANCE_LABELS,
    UPDATES_KEY,
    WORDS_PER_MINUTE,
    briefing_body,
    briefing_path,
    compose,
    footnote_text,
    front_matter,
    h,
    md_escape,
    md_link_target,
    nested,
    ordered,
    path_for,
    platform_counts,
    platform_mix_html,
    reading_time,
    significance_label,
)
from .entries import (  # noqa: F401
    Entry,
    entry_from_meta,
    read_front_matter,
    scan,
)
from .feeds import (  # noqa: F401
    BEAT_FEED_ITEMS,
    FEED_ITEMS,
    FeedBodies,
    Feeds,
    disclaimer_text,
    json_feed,
    rss_feed,
)
from .pages import (  # noqa: F401
    RelatedIndex,
    about_page,
    archive_index,
    beat_page,
    beats_index,
    home_page,
    month_page,
    related_entries,
    teaser_markdown,
)
from .files import (  # noqa: F401
    Archive,
    WriteError,
    Writes,
    remove,
    write_briefings,
    write_if_changed,
)
