"""Demo and benchmark data: a seeded generator of a believable store, and sinks for the database and DMS files."""

from .dms_file import write_dms_file
from .generator import DemoGenerator
from .loading import load_into_db
from .rows import GUANGZHOU, SHENZHEN, CustomerRow, StoreProfile
from .seeding import DEMO_STORES, DEMO_USERS, DemoRefused, demo_database_check, demo_organisation_ensure, demo_seed

__all__ = [
    "DEMO_STORES",
    "DEMO_USERS",
    "GUANGZHOU",
    "SHENZHEN",
    "CustomerRow",
    "DemoGenerator",
    "DemoRefused",
    "StoreProfile",
    "demo_database_check",
    "demo_organisation_ensure",
    "demo_seed",
    "load_into_db",
    "write_dms_file",
]
