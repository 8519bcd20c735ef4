"""helpdesk

Revision ID: d1a7e5c0de06
Revises: 3ca9871807fd
Create Date: 2026-11-23 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'd1a7e5c0de06'
down_revision = '3ca9871807fd'
branch_labels = None
depends_on = None

KINDS = (('note', 'system'), ('message_in', 'inbound'), ('message_out', 'reply'))


def upgrade() -> None:
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_canned_replies_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_replies')),
    sa.UniqueConstraint('shop_id', 'title', name=op.f('uq_canned_replies_shop_id_title'))
    )
    op.create_table('staff_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('first_seen_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_staff_members_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_members')),
    sa.UniqueConstraint('shop_id', 'user_id', name=op.f('uq_staff_members_shop_id_user_id'))
    )
    op.create_table('inbound_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=320), nullable=True),
    sa.Column('sender', sa.String(length=320), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('received_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inbound_emails_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_inbound_emails_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_emails')),
    sa.UniqueConstraint('digest', name=op.f('uq_inbound_emails_digest'))
    )
    with op.batch_alter_table('inbound_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_emails_shop_id'), ['shop_id'], unique=False)

    op.create_table('ticket_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ticket_entries.id'], name=op.f('fk_ticket_attachments_entry_id_ticket_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_ticket_attachments_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachments'))
    )
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachments_entry_id'), ['entry_id'], unique=False)

    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('in_reply_to', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('email_from', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('email_to', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('delivery_detail', sa.String(length=300), nullable=True))
        batch_op.drop_index(batch_op.f('ix_ticket_entries_ticket_id'))
        batch_op.create_index('ix_ticket_entries_ticket', ['ticket_id', 'id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_entries_shop_id_message_id'), ['shop_id', 'message_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ticket_entries_staff_id_staff_members'), 'staff_members', ['staff_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('customer_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('customer_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_responded_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_response_breached', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('resolution_breached', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('csat_rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('csat_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('csat_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_tickets_assignee', ['shop_id', 'assignee_id', 'id'], unique=False)
        batch_op.create_index('ix_tickets_customer', ['shop_id', 'customer_email'], unique=False)
        batch_op.create_index('ix_tickets_inbox', ['shop_id', 'status', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_due', ['shop_id', 'due_at', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_assignee_id_staff_members'), 'staff_members', ['assignee_id'], ['id'], ondelete='SET NULL')

    # Entry kinds as the helpdesk names them: ShipPromise's own notes are system lines.
    for old, new in KINDS:
        op.execute(sa.text("UPDATE ticket_entries SET kind = :new WHERE kind = :old").bindparams(old=old, new=new))
    op.execute(sa.text("UPDATE tickets SET due_at = first_response_due_at WHERE status = 'open'"))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM ticket_entries WHERE kind = 'note'"))
    for old, new in KINDS:
        op.execute(sa.text("UPDATE ticket_entries SET kind = :old WHERE kind = :new").bindparams(old=old, new=new))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_assignee_id_staff_members'), type_='foreignkey')
        batch_op.drop_index('ix_tickets_due')
        batch_op.drop_index('ix_tickets_inbox')
        batch_op.drop_index('ix_tickets_customer')
        batch_op.drop_index('ix_tickets_assignee')
        batch_op.drop_column('csat_at')
        batch_op.drop_column('csat_comment')
        batch_op.drop_column('csat_rating')
        batch_op.drop_column('resolution_breached')
        batch_op.drop_column('first_response_breached')
        batch_op.drop_column('paused_at')
        batch_op.drop_column('first_responded_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('locale')
        batch_op.drop_column('customer_name')
        batch_op.drop_column('customer_email')
        batch_op.drop_column('title')

    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_entries_staff_id_staff_members'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_ticket_entries_shop_id_message_id'), type_='unique')
        batch_op.drop_index('ix_ticket_entries_ticket')
        batch_op.create_index(batch_op.f('ix_ticket_entries_ticket_id'), ['ticket_id'], unique=False)
        batch_op.drop_column('delivery_detail')
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('source')
        batch_op.drop_column('email_to')
        batch_op.drop_column('email_from')
        batch_op.drop_column('in_reply_to')
        batch_op.drop_column('message_id')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_entry_id'))

    op.drop_table('ticket_attachments')
    with op.batch_alter_table('inbound_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_emails_shop_id'))

    op.drop_table('inbound_emails')
    op.drop_table('staff_members')
    op.drop_table('canned_replies')
