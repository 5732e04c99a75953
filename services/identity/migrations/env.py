from cimer_common.migrate import run_migrations
from identity.models import Base

run_migrations(Base.metadata)
