from plaatsing.main import cli

cli()
