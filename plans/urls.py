from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    # Until the engineers' dashboard lands, the admin's plan list is where plans are worked.
    path(
        "",
        RedirectView.as_view(pattern_name="admin:plans_plan_changelist"),
        name="dashboard",
    ),
]
