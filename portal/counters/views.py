"""Loket tools for unit heads and HR: QR codes, posters, queue tickets (being built)."""
from flask import Blueprint

bp = Blueprint("counters", __name__, url_prefix="/loket", template_folder="templates")
