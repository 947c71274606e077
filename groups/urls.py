from django.urls import path

from . import card_views, views, welfare_views, year_end_views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("summary/", views.network_summary, name="summary"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/rules/", views.rules, name="rules"),
    path("<int:pk>/rules/change/", views.rules_change, name="rules_change"),
    path("<int:pk>/year-ends/", year_end_views.year_ends, name="year_ends"),
    path("<int:pk>/year-ends/<str:month>/", year_end_views.year_end_page, name="year_end"),
    path("<int:pk>/year-ends/<str:month>/post/", year_end_views.year_end_post, name="year_end_post"),
    path("<int:pk>/year-ends/<str:month>/pdf/", year_end_views.year_end_pdf, name="year_end_pdf"),
    path("<int:pk>/loans/", views.loans, name="loans"),
    path("<int:pk>/loans/apply/", views.loan_apply, name="loan_apply"),
    path("<int:pk>/loans/<int:loan_pk>/", views.loan, name="loan"),
    path("<int:pk>/loans/<int:loan_pk>/approve/", views.loan_approve, name="loan_approve"),
    path("<int:pk>/loans/<int:loan_pk>/pay-out/", views.loan_disburse, name="loan_disburse"),
    path("<int:pk>/loans/<int:loan_pk>/rows/<int:entry_pk>/reverse/", views.loan_entry_reverse, name="loan_reverse"),
    path("<int:pk>/loans/<int:loan_pk>/write-off/", views.loan_write_off, name="loan_write_off"),
    path("<int:pk>/loans/<int:loan_pk>/reschedule/", views.loan_reschedule, name="loan_reschedule"),
    path("<int:pk>/cards/", card_views.cards_page, name="cards"),
    path("<int:pk>/fund/", welfare_views.fund, name="fund"),
    path("<int:pk>/fund/cost/", welfare_views.cost_pay, name="cost_pay"),
    path("<int:pk>/fund/welfare/", welfare_views.welfare_pay, name="welfare_pay"),
    path("<int:pk>/fund/<int:entry_pk>/reverse/", welfare_views.fund_entry_reverse, name="fund_reverse"),
    path("<int:pk>/sheet/", views.sheet_choose, name="sheet_choose"),
    path("<int:pk>/sheet/<str:month>/", views.sheet, name="sheet"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:member_pk>/", views.passbook, name="passbook"),
    path("<int:pk>/members/<int:member_pk>/commitment/", views.commitment_change, name="commitment"),
    path("<int:pk>/members/<int:member_pk>/leave/", views.member_leave, name="leave"),
    path("<int:pk>/members/<int:member_pk>/move/", views.member_move, name="move"),
    path("<int:pk>/members/<int:member_pk>/deposit/", views.deposit, name="deposit"),
    path("<int:pk>/members/<int:member_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/entries/<int:entry_pk>/reverse/", views.reverse_entry, name="reverse"),
]
