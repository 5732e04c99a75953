from cimer_common.migrate import run_migrations
from reporting.models import Base

run_migrations(Base.metadata)
