from django.urls import path

from . import documents, views

app_name = "works"

urlpatterns = [
    path("", views.community_list, name="list"),
    path("communities/<int:pk>/", views.portfolio, name="portfolio"),
    path("communities/<int:pk>/portfolio.pdf", documents.portfolio_pdf, name="portfolio_pdf"),
    path("communities/<int:pk>/new/", views.work_new, name="new"),
    path("<int:pk>/", views.work_detail, name="work"),
    path("<int:pk>/quantities/", views.quantity_new, name="quantity"),
    path("<int:pk>/photos/", views.photo_new, name="photo"),
    path("photos/<int:pk>/large.jpg", views.photo_file, {"size": "large"}, name="photo_large"),
    path("photos/<int:pk>/small.jpg", views.photo_file, {"size": "small"}, name="photo_small"),
    path("contests/", views.contest_list, name="contests"),
    path("contests/new/", views.contest_new, name="contest_new"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
    path("contests/<int:pk>/entries/", views.entry_new, name="entry"),
    path("contests/<int:pk>/results/", views.result_new, name="result"),
    path("contests/<int:pk>/documents/", views.document_new, name="document"),
    path("documents/<int:pk>/", views.document_file, name="document_file"),
]
