from fawtara.cli.main import app

app()
