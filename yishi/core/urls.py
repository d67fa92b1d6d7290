from django.urls import path

from . import account_views, checkpoint_views, media, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("files/<int:pk>/", media.serve_attachment, name="attachment"),
    path("streets/<slug:code>/", views.street_detail, name="street"),
    path("preferences/text-size/", views.set_text_size, name="set_text_size"),
    path("preferences/language/", views.set_language, name="set_language"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/audit/", views.audit_trail, name="audit_trail"),
    path("workspace/residents/", views.residents_to_verify, name="residents_to_verify"),
    path("accounts/login/", account_views.login_view, name="login"),
    path("accounts/signup/", account_views.signup_view, name="signup"),
    path("accounts/code/", account_views.enter_code_view, name="enter_code"),
    path("accounts/code/resend/", account_views.resend_code_view, name="resend_code"),
    path("accounts/staff/", account_views.staff_login_view, name="staff_login"),
    path("accounts/staff/totp/", account_views.totp_verify_view, name="totp_verify"),
    path("accounts/staff/totp/setup/", account_views.totp_setup_view, name="totp_setup"),
    path("accounts/logout/", account_views.logout_view, name="logout"),
    path("accounts/", account_views.account_view, name="account"),
    path("accounts/notices/", account_views.notice_preferences_view, name="notice_preferences"),
    path("accounts/email/", account_views.add_email_view, name="add_email"),
    path("accounts/email/confirm/<str:token>/", account_views.confirm_email_view,
         name="confirm_email"),
    path("accounts/email/remove/", account_views.remove_email_view, name="remove_email"),
    path("accounts/export/", account_views.export_data_view, name="export_data"),
    path("accounts/delete/", account_views.delete_account_view, name="delete_account"),
    path("accounts/inbox/", account_views.inbox_view, name="inbox"),
    path("accounts/inbox/read/", account_views.inbox_mark_read_view, name="inbox_mark_read"),
    path("accounts/continue/", account_views.workspace_or_home, name="workspace_or_home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/checkpoints/", checkpoint_views.audit_checkpoints, name="audit_checkpoints"),
    path("audit/checkpoints.json", checkpoint_views.audit_checkpoints_json,
         name="audit_checkpoints_json"),
]
