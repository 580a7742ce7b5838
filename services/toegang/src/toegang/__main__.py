from toegang.main import cli

cli()
