"""Customer information processing notices (告知书): model, default text, published versions.

from app.notices import default_notice, current_notice, get_notice, import_notice, changed_purposes
"""

from app.notices.model import (  # noqa: F401
    LANGS,
    MATERIAL,
    REQUIRED_PURPOSE,
    SHIPPED_HASHES,
    Notice,
    Purpose,
    canonical_json,
    changed_purposes,
    check_version_text,
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
    shipped_notice,
    store_default,
    store_notice,
    unchanged_purposes,
)
