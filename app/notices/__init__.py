"""Customer information processing notices (告知书): model, default text, published versions.

from app.notices import default_notice, current_notice, get_notice, import_notice, changed_purposes
"""

from app.notices.model import (  # noqa: F401
    LANGS,
    MATERIAL,
    REQUIRED_PURPOSE,
    Notice,
    Purpose,
    canonical_json,
    changed_purposes,
    norm_lang,
)
from app.notices.store import (  # noqa: F401
    NOTICE_PUBLISH,
    current_notice,
    default_notice,
    ensure_default_stored,
    get_notice,
    import_notice,
    list_versions,
    load_notice_file,
    store_notice,
    unchanged_purposes,
)
