import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Load every view, the API and its schemas now rather than on the first request, then move all
# that is loaded out of the garbage collector's way (gc.freeze): these objects live as long as the
# process. Otherwise each full collection walks them all, about 225,000 objects and 90-100 ms on a
# 2-core server, and the request that triggers one waits for it: one request in a few hundred was
# 100 ms slower than its page (docs/performance.md, session 13). Frozen, a full collection walks only
# what requests left behind (under 6 ms).
get_resolver().url_patterns  # noqa: B018 - imports the URLconf
gc.collect()
gc.freeze()
