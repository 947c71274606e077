"""Reads behind the buying-round pages, each in a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Sum

from .models import Order


@dataclass
class ItemTotal:
    item: object
    ordered: int  # units members ordered
    members: int

    @property
    def full_packs(self):
        return self.ordered // self.item.units_per_pack

    @property
    def remainder(self):
        """Units ordered beyond the last full pack."""
        return self.ordered % self.item.units_per_pack

    @property
    def left_over_if_rounded_up(self):
        """Units that would go into stock if one more pack is bought for the remainder."""
        return self.item.units_per_pack - self.remainder if self.remainder else 0

    @property
    def packs_up(self):
        return self.full_packs + (1 if self.remainder else 0)

    @property
    def packs(self):
        """Packs to buy: the leader's decision once the round is closed, else rounded up."""
        return self.item.packs_to_buy if self.item.packs_to_buy is not None else self.packs_up

    @property
    def units_bought(self):
        return self.packs * self.item.units_per_pack

    @property
    def supplier_cost(self):
        return self.packs * self.item.pack_price


def item_totals(buying_round):
    items = list(buying_round.items.select_related("product__supplier").order_by("product__name"))
    sums = {
        row["item"]: row
        for row in Order.objects.filter(item__round=buying_round)
        .order_by()
        .values("item")
        .annotate(ordered=Sum("quantity"), members=Count("member", distinct=True))
    }
    return [
        ItemTotal(item=item, ordered=sums.get(item.pk, {}).get("ordered", 0), members=sums.get(item.pk, {}).get("members", 0))
        for item in items
    ]


def group_order_counts(buying_round):
    """{group id: number of members with an order} for the round."""
    return dict(
        Order.objects.filter(item__round=buying_round)
        .order_by()
        .values("member__group")
        .annotate(n=Count("member", distinct=True))
        .values_list("member__group", "n")
    )
