"""Kiosk mode (being built)."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, template_folder="templates")
