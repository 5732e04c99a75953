from cimer_common.migrate import run_migrations
from notification.models import Base

run_migrations(Base.metadata)
