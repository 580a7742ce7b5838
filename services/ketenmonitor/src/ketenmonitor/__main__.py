from ketenmonitor.main import cli

cli()
