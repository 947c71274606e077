from django.urls import path

from . import documents, views

app_name = "rent"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tenancies/", views.tenancy_list, name="tenancies"),
    path("tenancies.xlsx", views.tenancy_list_xlsx, name="tenancies_xlsx"),
    path("tenancies/<int:pk>/", views.tenancy_detail, name="tenancy"),
    path("tenancies/<int:pk>/statement.xlsx", views.tenancy_statement_xlsx, name="statement_xlsx"),
    path("tenancies/<int:pk>/rent/", views.rent_change, name="rent_change"),
    path("tenancies/<int:pk>/end/", views.tenancy_end, name="tenancy_end"),
    path("tenancies/<int:pk>/collect/", views.receipt_new, name="collect"),
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts.xlsx", views.receipt_list_xlsx, name="receipts_xlsx"),
    path("receipts/<int:pk>/", documents.receipt_detail, name="receipt"),
    path("receipts/<int:pk>/receipt.pdf", documents.receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:pk>/void/", views.receipt_void, name="void"),
    path("remittances/", views.remittance_list, name="remittances"),
    path("remittances/new/", views.remittance_new, name="remittance_new"),
    path("remittances/<int:pk>/", views.remittance_detail, name="remittance"),
    path("remittances/<int:pk>/slip.pdf", documents.remittance_pdf, name="remittance_pdf"),
    path("accounts/", views.transfer_accounts, name="transfer_accounts"),
    path("letters/", documents.letter_list, name="letters"),
    path("letters/request/", documents.letter_request, name="letter_request"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation.xlsx", views.reconciliation_xlsx, name="reconciliation_xlsx"),
    path("progress/", views.progress, name="progress"),
    path("progress.xlsx", views.progress_xlsx, name="progress_xlsx"),
]
