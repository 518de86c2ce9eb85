"""Flask extensions, created here and bound in create_app with init_app."""
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in om deze pagina te zien."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"  # "strong" drops Bearer logins when a cookie session exists

csrf = CSRFProtect()
