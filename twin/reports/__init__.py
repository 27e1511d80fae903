"""Citizen reports (Open311 GeoReport v2): the service catalogue and service requests."""

from twin.reports.service_requests import (
    LIGHT_SEARCH_RADIUS_M,
    RequestPage,
    ServiceRequest,
    get_request,
    light_statuses,
    lights_with_status,
    list_requests,
    submit_request,
    update_request,
)
from twin.reports.services import SERVICES, Service, ServiceAttribute, city_service, get_service

__all__ = [
    "LIGHT_SEARCH_RADIUS_M",
    "SERVICES",
    "RequestPage",
    "Service",
    "ServiceAttribute",
    "ServiceRequest",
    "city_service",
    "get_request",
    "get_service",
    "light_statuses",
    "lights_with_status",
    "list_requests",
    "submit_request",
    "update_request",
]
