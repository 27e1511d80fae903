"""Ensembles on Dask distributed: members from a base scenario and perturbations.

>>> from twin import ensemble
>>> spec = ensemble.EnsembleSpec.model_validate({"name": "demo", "members": 2})
>>> [m.is_control for m in spec.sample_members()]
[True, True]

``ensemble.run(spec, client=None)`` runs the members in parallel (a LocalCluster of worker
processes by default, or any scheduler address) and returns a Dataset with a ``member``
dimension, per-cell exceedance probabilities and per-ward hazard-class probabilities.
"""

from twin.ensemble.perturb import DAM_INFLOW_PREFIX, perturb_forcing, shift_in_time
from twin.ensemble.runner import (
    DomainSource,
    Progress,
    member_store_name,
    open_members,
    run,
    run_member,
    run_members,
)
from twin.ensemble.spec import PERTURBATIONS, Distribution, EnsembleSpec, Member, Perturbations
from twin.ensemble.summary import (
    WARD_MIN_SHARE,
    exceedance_probability,
    summarise,
    ward_hazard,
)

__all__ = [
    "DAM_INFLOW_PREFIX",
    "PERTURBATIONS",
    "WARD_MIN_SHARE",
    "Distribution",
    "DomainSource",
    "EnsembleSpec",
    "Member",
    "Perturbations",
    "Progress",
    "exceedance_probability",
    "member_store_name",
    "open_members",
    "perturb_forcing",
    "run",
    "run_member",
    "run_members",
    "shift_in_time",
    "summarise",
    "ward_hazard",
]
