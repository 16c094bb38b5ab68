"""The first schema: runs, their clause results, findings and the limits a monitor run found.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("started", sa.String(40), nullable=False),
        sa.Column("finished", sa.String(40), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("golden_target", sa.Text),
        sa.Column("profile", sa.String(120)),
        sa.Column("tool", sa.String(120)),
        sa.Column("model_versions", sa.Text),
        sa.Column("commit", sa.String(80)),
        sa.Column("branch", sa.Text),
        sa.Column("job_url", sa.Text),
        sa.Column("calls", sa.Integer),
        sa.Column("billable", sa.Integer),
        sa.Column("exit_code", sa.Integer),
        sa.Column("verdict", sa.String(80)),
        sa.Column("report", sa.Text),
    )
    op.create_index("ix_runs_finished", "runs", ["finished"])
    op.create_index("ix_runs_target", "runs", ["target"])
    op.create_table(
        "clause_results",
        sa.Column("run_id", sa.String(80), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("clause", sa.String(120), primary_key=True),
        sa.Column("level", sa.String(16)),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("tests", sa.Integer),
        sa.Column("cases", sa.Integer),
        sa.Column("calls", sa.Integer),
    )
    op.create_table(
        "findings",
        sa.Column("run_id", sa.String(80), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("fingerprint", sa.String(400), primary_key=True),
        sa.Column("clause", sa.String(120), nullable=False),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("mode", sa.String(40)),
        sa.Column("model_version", sa.String(120)),
        sa.Column("export_format", sa.String(40)),
        sa.Column("input_kind", sa.String(40)),
    )
    op.create_table(
        "limits",
        sa.Column("run_id", sa.String(80), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("mode", sa.String(40), primary_key=True),
        sa.Column("finding", sa.Text, nullable=False),
        sa.Column("drift", sa.String(16)),
    )
