"""A household's steps become its history, kept whole: taking a household out of a proposal no
longer deletes its step "in a proposal" but records a new step, back to "verified", that points to
it (`takes_back`) and says why. Each step "in a proposal" names its proposal (`proposal`), filled in
here from the proposals' households; "verified" and "in a proposal" may now come again. PostgreSQL
then refuses UPDATE and DELETE on the steps, but for the one change the PDPA erasure makes: the
reasons of a household whose head was erased are blanked."""

from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def name_the_proposals(apps, schema_editor):
    """Each step "in a proposal" gets the proposal that holds its household (a household was in one
    proposal at a time, and its step was deleted when it was taken out). A step chosen by hand on
    the household's page, with no proposal holding the household, stays without one."""
    StatusStep = apps.get_model("housing", "StatusStep")
    HistoricalStatusStep = apps.get_model("housing", "HistoricalStatusStep")
    Proposal = apps.get_model("housing", "Proposal")
    proposal_of = dict(
        Proposal.households.through.objects.order_by("proposal__date", "proposal_id").values_list(
            "household_id", "proposal_id"
        )
    )
    steps = defaultdict(list)
    for pk, household_id in StatusStep.objects.filter(step="proposed").values_list("pk", "household_id"):
        if household_id in proposal_of:
            steps[proposal_of[household_id]].append(pk)
    for proposal_id, pks in steps.items():
        StatusStep.objects.filter(pk__in=pks).update(proposal_id=proposal_id)
        HistoricalStatusStep.objects.filter(id__in=pks, step="proposed").update(proposal_id=proposal_id)


REFUSE = """
CREATE OR REPLACE FUNCTION refuse_status_step_change() RETURNS trigger AS $$
BEGIN
    -- The PDPA erasure blanks the reasons of the steps of an erased head's household: nothing else.
    IF TG_OP = 'UPDATE'
        AND to_jsonb(NEW) - 'reason' = to_jsonb(OLD) - 'reason'
        AND EXISTS (
            SELECT 1 FROM {household} h JOIN {person} p ON p.id = h.head_id
            WHERE h.id = NEW.household_id AND p.erased_at IS NOT NULL
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'status steps in % are never updated or deleted: record a new step', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {steps}
    FOR EACH ROW EXECUTE FUNCTION refuse_status_step_change();
"""


def refuse_step_changes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    steps = apps.get_model("housing", "StatusStep")._meta.db_table
    schema_editor.execute(
        REFUSE.format(
            steps=quote(steps),
            trigger=quote(f"{steps}_kept"),
            household=quote(apps.get_model("housing", "Household")._meta.db_table),
            person=quote(apps.get_model("songkhla_network", "Person")._meta.db_table),
        ),
        params=None,
    )


def allow_step_changes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    steps = apps.get_model("housing", "StatusStep")._meta.db_table
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(steps + '_kept')} ON {quote(steps)};", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS refuse_status_step_change();", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0004_export_records_into_access_log"),
        ("songkhla_network", "0003_personal_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="statusstep", name="status_step_once"),
        migrations.AddField(
            model_name="historicalstatusstep",
            name="proposal",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The proposal the household was put into, or taken out of, by this step.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="housing.proposal",
                verbose_name="proposal to CODI",
            ),
        ),
        migrations.AddField(
            model_name="historicalstatusstep",
            name="takes_back",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The step this one takes back, e.g. a household taken out of a proposal.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="housing.statusstep",
                verbose_name="takes back",
            ),
        ),
        migrations.AddField(
            model_name="statusstep",
            name="proposal",
            field=models.ForeignKey(
                blank=True,
                help_text="The proposal the household was put into, or taken out of, by this step.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="steps",
                to="housing.proposal",
                verbose_name="proposal to CODI",
            ),
        ),
        migrations.AddField(
            model_name="statusstep",
            name="takes_back",
            field=models.OneToOneField(
                blank=True,
                help_text="The step this one takes back, e.g. a household taken out of a proposal.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="taken_back_by",
                to="housing.statusstep",
                verbose_name="takes back",
            ),
        ),
        migrations.AlterField(
            model_name="statusstep",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="steps",
                to="housing.household",
                verbose_name="household",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusstep",
            constraint=models.UniqueConstraint(
                condition=models.Q(("step__in", ["surveyed", "approved", "moved", "withdrawn"])),
                fields=("household", "step"),
                name="status_step_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusstep",
            constraint=models.CheckConstraint(
                condition=models.Q(("takes_back__isnull", True), models.Q(("reason", ""), _negated=True), _connector="OR"),
                name="step_taken_back_with_a_reason",
                violation_error_message="Say why the household is taken out of the proposal.",
            ),
        ),
        migrations.RunPython(name_the_proposals, migrations.RunPython.noop),
        migrations.RunPython(refuse_step_changes, allow_step_changes, elidable=False),
    ]
