from triage.main import cli

cli()
