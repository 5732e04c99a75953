from cimer_common.migrate import run_migrations
from intake.models import Base

run_migrations(Base.metadata)
