"""``twin operate``: the forecast cycle that runs by itself.

A :class:`Scheduler` watches folders for sensor files, runs a nowcast on a fixed cycle and at
once when a new reading crosses a trigger, publishes the ``Actual`` warnings (Alert, Update,
Cancel), re-ranks the open dispatch calls, and alerts the operator when a feed goes silent or
a run fails. One cycle at a time across processes and machines (a lease in the database);
every decision in the audit log (``operate_events``). Time comes from a clock object, so a
test drives the cycle over sample feeds without sleeping.
"""

from twin.operate.clock import Clock, SimulatedClock, SystemClock
from twin.operate.events import EVENT_KINDS, OperateEvent, list_events, record_event
from twin.operate.folders import FolderIngest, ingest_folder, pending_files
from twin.operate.lease import lease_holder, release_lease, take_lease
from twin.operate.scheduler import LEASE_NAME, CycleReport, LeaseLostError, Scheduler, TickReport
from twin.operate.settings import OperateSettings, load_settings
from twin.operate.triggers import Trigger, find_triggers

__all__ = [
    "EVENT_KINDS",
    "LEASE_NAME",
    "Clock",
    "CycleReport",
    "FolderIngest",
    "LeaseLostError",
    "OperateEvent",
    "OperateSettings",
    "Scheduler",
    "SimulatedClock",
    "SystemClock",
    "TickReport",
    "Trigger",
    "find_triggers",
    "ingest_folder",
    "lease_holder",
    "list_events",
    "load_settings",
    "pending_files",
    "record_event",
    "release_lease",
    "take_lease",
]
