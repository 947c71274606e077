from django.urls import path

from . import views

app_name = "enterprise"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("cash/", views.cash_book, name="cash_book"),
    path("cash/<int:pk>/reverse/", views.cash_reverse, name="cash_reverse"),
    path("donations/", views.donation_list, name="donations"),
    path("donations/new/", views.donation_new, name="donation_new"),
    path("donations/<int:pk>/", views.donation_acknowledgement, name="donation"),
    path("donations/<int:pk>/reverse/", views.donation_reverse, name="donation_reverse"),
    path("levy/", views.levy, name="levy"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/groups/<int:group_pk>/", views.order_sheet, name="order_sheet"),
    path("rounds/<int:pk>/purchase-orders/", views.purchase_orders, name="purchase_orders"),
    path("rounds/<int:pk>/receive/", views.round_receive, name="round_receive"),
    path("rounds/<int:pk>/pickup/", views.pickup_list, name="pickup"),
    path("rounds/<int:pk>/pickup.pdf", views.pickup_list_pdf, name="pickup_pdf"),
    path("rounds/<int:pk>/members/<int:member_pk>/pay/", views.payment, name="payment"),
    path("allocations/<int:pk>/", views.allocation_change, name="allocation"),
    path("stock/", views.stock, name="stock"),
    path("production/", views.production, name="production"),
    path("statement/", views.statement, name="statement"),
    path("statement.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("production/materials/", views.material_buy, name="material_buy"),
    path("production/batches/", views.batch_new, name="batch_new"),
    path("production/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("production/sales/", views.liquid_sale, name="liquid_sale"),
]
