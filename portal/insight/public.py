"""(being built)"""
from flask import Blueprint

bp = Blueprint("publik", __name__, url_prefix="/publik", template_folder="templates")
