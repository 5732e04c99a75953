from cimer_common.migrate import run_migrations
from routing.models import Base

run_migrations(Base.metadata)
