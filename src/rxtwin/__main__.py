from rxtwin.cli import app

app(prog_name="rxtwin")
