"""Command-line interface: `flask --app portal <command>`; each feature adds its own commands.

This module only gathers them; what the commands share lives in `portal/cli_options.py`.
"""
from __future__ import annotations

from flask import Flask
from flask.cli import with_appcontext


def register_commands(app: Flask) -> None:
    from portal.accounts.cli import commands as account_commands
    from portal.appraisal.cli import commands as appraisal_commands
    from portal.appraisal.export_cli import commands as appraisal_export_commands
    from portal.audit_log.cli import commands as audit_commands
    from portal.counters.cli import commands as counter_commands
    from portal.demo.cli import commands as demo_commands
    from portal.feedback.cli import commands as feedback_commands
    from portal.insight.cli import commands as insight_commands
    from portal.mail.cli import commands as mail_commands
    from portal.ops.cli import commands as ops_commands
    from portal.org.cli import commands as org_commands
    from portal.reviews.cli import commands as review_commands

    for command in (*org_commands, *account_commands, *mail_commands, *demo_commands, *feedback_commands,
                    *counter_commands, *review_commands, *appraisal_commands, *appraisal_export_commands, *insight_commands,
                    *ops_commands, *audit_commands):
        if not getattr(command.callback, "_cermin_appcontext", False):
            # Every command works in the app context, however it is invoked (flask CLI or tests).
            command.callback = with_appcontext(command.callback)
            command.callback._cermin_appcontext = True
        app.cli.add_command(command)
