import gc
import os

from django.core.wsgi import get_wsgi_application

from motcua.manage import check_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
check_settings()  # a misconfiguration: its message, not a traceback, in the server's log
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules and settings) lives as long as the process: move it out
# of the cyclic garbage collector's generations, so that the full collections a busy worker runs every few hundred
# requests scan what requests created, not the whole framework (they were about 6 % of a filing+reception pair's
# CPU, bench/bench_inproc.py with BENCH_GC_TIMING=1). Python's own recommendation for pre-fork servers (gc.freeze).
gc.collect()
gc.freeze()
