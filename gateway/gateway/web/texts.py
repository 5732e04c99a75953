"""The words of the web pages, Turkish first and English beside them (SPEC section 11 fixes the labels of the
fields and buttons: they are the pages' accessible names, and the browser tests find the fields by them).

What the system itself says (a refusal, a field's error) comes from the API in the page's language; this table
holds only what the pages add around it."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("tr", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # Frame
    "site_name": ("CİMER", "CİMER"),
    "site_long": ("Cumhurbaşkanlığı İletişim Merkezi", "Presidential Communication Centre"),
    "skip_to_content": ("İçeriğe geç", "Skip to content"),
    "other_language": ("English", "Türkçe"),
    "main_navigation": ("Ana menü", "Main menu"),
    "nav_apply": ("Başvuru yap", "Apply"),
    "nav_track": ("Başvuru sorgula", "Follow an application"),
    "nav_console": ("Görevli girişi", "Officers"),
    "nav_inbox": ("Gelen başvurular", "Inbox"),
    "nav_record": ("Başvuru kaydet", "Record an application"),
    "nav_overview": ("Genel durum", "Overview"),
    "nav_reports": ("Aylık raporlar", "Monthly reports"),
    "nav_users": ("Kullanıcılar", "Users"),
    "nav_directory": ("Kurum rehberi", "Directory"),
    "logout": ("Çıkış", "Log out"),
    "signed_in_as": ("Oturum", "Signed in as"),
    "error_title": ("Bir sorun oluştu", "Something went wrong"),
    "errors_in_form": ("Formda düzeltilmesi gereken alanlar var:", "Some fields need correcting:"),
    "required": ("Bu alan zorunludur.", "This field is required."),
    "back_home": ("Ana sayfaya dön", "Back to the home page"),
    "not_found": ("Aradığınız sayfa bulunamadı.", "The page you were looking for was not found."),
    "session_expired": (
        "Oturumunuz sona erdi; lütfen yeniden giriş yapın.",
        "Your session ended; please log in again.",
    ),
    "csrf_failed": (
        "Form süresi doldu veya başka bir sayfadan gönderildi; lütfen yeniden deneyin.",
        "The form expired or came from another page; please try again.",
    ),
    "service_unavailable": (
        "Sistem şu anda yanıt veremiyor; lütfen biraz sonra yeniden deneyin.",
        "The system cannot answer just now; please try again shortly.",
    ),
    # Filing (SPEC section 11)
    "apply_title": ("Başvuru yap", "Make an application"),
    "apply_intro": (
        "Başvurunuz ilgili kuruma yönlendirilir ve yasal süresi içinde cevaplanır. Zorunlu alanlar * ile işaretlidir.",
        "Your application is sent to the institution that can answer it and answered within its legal deadline. "
        "Required fields are marked *.",
    ),
    "kind": ("Başvuru türü", "Kind of application"),
    "petition_type": ("Dilekçe türü", "Petition type"),
    "subject": ("Konu", "Subject"),
    "title": ("Başlık", "Title"),
    "body": ("Başvuru metni", "Text"),
    "province": ("İl", "Province"),
    "district": ("İlçe", "District"),
    "choose": ("Seçiniz", "Choose"),
    "no_district": ("İl merkezi / belirtmek istemiyorum", "Provincial centre / not stated"),
    "national_id": ("T.C. Kimlik No", "National ID"),
    "national_id_hint": ("11 haneli numara", "11 digits"),
    "national_id_invalid": ("T.C. Kimlik Numarası geçersiz.", "The national ID number is not valid."),
    "first_name": ("Ad", "First name"),
    "last_name": ("Soyad", "Last name"),
    "email": ("E-posta", "E-mail"),
    "phone": ("Telefon", "Phone"),
    "address": ("Adres", "Address"),
    "confidential": ("Kimliğim gizli tutulsun", "Keep my identity confidential"),
    "confidential_hint": (
        "Başvuruyu inceleyen kurum kim olduğunuzu görmez; yalnızca CİMER görevlileri görebilir.",
        "The institution handling it never sees who you are; only CİMER's staff can.",
    ),
    "anonymous": ("Kimliğimi vermeden başvur", "Apply anonymously"),
    "anonymous_hint": (
        "Size bildirim gönderilemez; başvurunuzu numarası ve erişim koduyla takip edersiniz.",
        "You cannot be notified; you follow the application with its tracking number and access code.",
    ),
    "identity_legend": ("Kimlik bilgileri", "Your identity"),
    "where_legend": ("Başvurunun ilgili olduğu yer", "Where the matter is"),
    "official_legend": ("Şikâyet edilen görevli", "The official complained of"),
    "official_name": ("Görevlinin adı soyadı", "Official's name"),
    "official_rank": ("Görevlinin unvan düzeyi", "Official's rank"),
    "official_institution": ("Görevlinin kurum kodu", "Official's institution code"),
    "official_institution_hint": (
        "Örneğin MIN-SAGLIK; kurum rehberinde bulunur.",
        "For example MIN-SAGLIK; see the directory.",
    ),
    "submit": ("Başvuruyu gönder", "Submit"),
    "channel": ("Başvuru kanalı", "Channel"),
    # Receipt
    "receipt_title": ("Başvurunuz alındı", "Your application was received"),
    "tracking_number": ("Başvuru numarası", "Tracking number"),
    "access_code": ("Erişim kodu", "Access code"),
    "deadline": ("Cevap için son gün", "Answer due by"),
    "receipt_keep": (
        "Bu numarayı ve erişim kodunu saklayın: başvurunuzu yalnızca ikisiyle sorgulayabilirsiniz ve erişim kodu "
        "bir daha gösterilmez.",
        "Keep this number and the access code: you can follow the application only with both, and the access code "
        "is not shown again.",
    ),
    "receipt_follow": ("Başvurunuzu sorgulayın", "Follow your application"),
    # Following
    "track_title": ("Başvuru sorgula", "Follow an application"),
    "look_up": ("Sorgula", "Look up"),
    "status": ("Durum", "Status"),
    "where_now": ("Bulunduğu kurum", "Where it is"),
    "received_at": ("Alındığı tarih", "Received"),
    "history": ("Başvurunun geçmişi", "History"),
    "when": ("Tarih", "When"),
    "institution": ("Kurum", "Institution"),
    "answer": ("Cevap", "Answer"),
    "answered_at": ("Cevap tarihi", "Answered"),
    "outcome": ("Sonuç", "Outcome"),
    "extension": ("Süre uzatımı", "Extension"),
    "no_answer_yet": ("Henüz cevaplanmadı.", "Not answered yet."),
    # After the answer (SPEC section 12)
    "closed_at": ("Kapandığı tarih", "Closed on"),
    "appeal": ("İtiraz", "Appeal"),
    "appeal_legend": ("Bilgi Edinme Değerlendirme Kuruluna itiraz", "Appeal to the information review board"),
    "appeal_until": (
        "Olumsuz cevaba en geç {date} tarihine kadar itiraz edebilirsiniz.",
        "You may appeal the negative answer until {date}.",
    ),
    "appeal_reason": ("İtiraz gerekçesi", "Reason for the appeal"),
    "send_appeal": ("İtiraz et", "Appeal"),
    "appealed_at": ("İtiraz tarihi", "Appealed on"),
    "decision": ("Kurul kararı", "The board's decision"),
    "no_decision_yet": ("Kurul henüz karar vermedi.", "The board has not decided yet."),
    "done_appealed": (
        "İtirazınız alındı; Bilgi Edinme Değerlendirme Kuruluna iletilecek.",
        "Your appeal was received; it goes to the information review board.",
    ),
    "feedback": ("Değerlendirmeniz", "Your rating"),
    "feedback_legend": ("Cevabı değerlendirin", "Rate the answer"),
    "rating": ("Puan (1-5)", "Rating (1-5)"),
    "solved": ("Sorunum çözüldü", "My problem was solved"),
    "not_solved": ("Sorunum çözülmedi", "My problem was not solved"),
    "comment": ("Yorum", "Comment"),
    "send_feedback": ("Değerlendirmeyi gönder", "Send the rating"),
    "done_rated": ("Değerlendirmeniz için teşekkür ederiz.", "Thank you for your rating."),
    "attachments": ("Ekler", "Attachments"),
    "attach_legend": (
        "Dosya ekle (PDF, PNG veya JPEG; en fazla 10 MB, en fazla 5 dosya)",
        "Attach a file (PDF, PNG or JPEG; 10 MB at most, 5 files at most)",
    ),
    "file": ("Dosya", "File"),
    "send_file": ("Dosyayı ekle", "Attach the file"),
    "download": ("İndir", "Download"),
    "done_attached": ("Dosya eklendi.", "The file was attached."),
    "choose_file": ("Bir dosya seçin.", "Choose a file."),
    "side_applicant": ("Başvuru sahibinin", "The applicant's"),
    "side_institution": ("Kurumun (cevapla birlikte)", "The institution's (with the answer)"),
    # What an application's texts read once its retention period is over (KVKK)
    "erased": ("Saklama süresi dolduğu için silindi.", "Erased: the retention period is over."),
    # Console
    "login_title": ("Görevli girişi", "Officer login"),
    "username": ("Kullanıcı adı", "Username"),
    "password": ("Parola", "Password"),
    "login": ("Giriş", "Log in"),
    "inbox_title": ("Gelen başvurular", "Inbox"),
    "inbox_empty": ("Bekleyen başvuru yok.", "Nothing waiting."),
    "filter": ("Süz", "Filter"),
    "all": ("Tümü", "All"),
    "overdue_filter": ("Süre durumu", "Deadline"),
    "only_overdue": ("Süresi geçenler", "Overdue only"),
    "only_in_time": ("Süresi geçmeyenler", "Within deadline"),
    "overdue": ("Süresi geçti", "Overdue"),
    "previous_page": ("Önceki sayfa", "Previous page"),
    "next_page": ("Sonraki sayfa", "Next page"),
    "page_of": ("{first}–{last} / {total}", "{first}–{last} of {total}"),
    "application_title": ("Başvuru {number}", "Application {number}"),
    "applicant": ("Başvuru sahibi", "Applicant"),
    "anonymous_applicant": ("Kimliği belirtilmemiş", "Anonymous"),
    "confidential_applicant": ("Kimliği gizli", "Identity confidential"),
    "recorded_by": ("Kaydeden", "Recorded by"),
    "official": ("Görevli", "Official"),
    "actions": ("İşlemler", "Actions"),
    "no_actions": (
        "Bu başvuru kurumunuzda değil ya da cevaplanmış: üzerinde işlem yapılamaz.",
        "This application is not at your institution, or is answered: nothing can be done with it here.",
    ),
    "forward": ("Yönlendir", "Forward"),
    "forward_legend": ("Başka bir kuruma yönlendir", "Forward to another institution"),
    "forward_search": ("Kurum ara", "Search institutions"),
    "forward_search_button": ("Ara", "Search"),
    "forward_target": ("Yönlendirilecek kurum", "Institution to forward to"),
    "forward_none": ("Kurallara göre yönlendirilebilecek kurum yok.", "The rules allow no forward from here."),
    "note": ("Not", "Note"),
    "return": ("İade et", "Return"),
    "return_legend": ("Gönderen kuruma iade et: {name}", "Return to the sender: {name}"),
    "answer_legend": ("Cevapla", "Answer"),
    "answer_text": ("Cevap metni", "Answer text"),
    "positive": ("Olumlu", "Positive"),
    "negative": ("Olumsuz", "Negative"),
    "send_answer": ("Cevapla", "Answer"),
    "extend": ("Süre uzat", "Extend"),
    "extend_legend": ("Süreyi 15 iş günü uzat (bir kez)", "Extend the deadline by 15 working days (once)"),
    "reason": ("Gerekçe", "Reason"),
    "done_forwarded": ("Başvuru {code} kurumuna gönderildi.", "The application was sent to {code}."),
    "done_answered": ("Başvuru cevaplandı; başvuru sahibine bildirilecek.", "Answered; the applicant will be told."),
    "decide_legend": ("İtiraz hakkında karar", "Decide the appeal"),
    "decision_text": ("Karar metni", "Text of the decision"),
    "send_decision": ("Kararı kaydet", "Record the decision"),
    "done_decided": ("Karar kaydedildi; başvuru sahibine bildirilecek.", "Decided; the applicant will be told."),
    "done_extended": (
        "Süre uzatıldı; gerekçe başvuru sahibine bildirilecek.",
        "Extended; the applicant will be told why.",
    ),
    # Duplicates (SPEC section 12)
    "duplicates_title": ("Benzer başvurular", "Similar applications"),
    "duplicates_intro": (
        "Yakın zamanda yapılmış, açık ve bu başvuruya benzeyen başvurular. Aynı konudakileri bağlayıp birlikte "
        "cevaplayabilirsiniz.",
        "Recent open applications close to this one. Link those about the same matter to answer them together.",
    ),
    "duplicate_reason_same_applicant": ("Aynı başvuru sahibi", "Same applicant"),
    "duplicate_reason_similar_text": ("Benzer metin", "Similar text"),
    "duplicate_similarity": ("Metin benzerliği: %{percent}", "Text similarity: {percent}%"),
    "duplicate_state_flagged": ("Bağlanmadı", "Not linked"),
    "duplicate_state_linked": ("Bağlı", "Linked"),
    "duplicate_state_unlinked": ("Bağlantı kaldırıldı", "Unlinked"),
    "link": ("Bağla", "Link"),
    "unlink": ("Bağlantıyı kaldır", "Unlink"),
    "answer_also": (
        "Bu cevabı bağlı başvuruya da gönder: {number}",
        "Send this answer to the linked application too: {number}",
    ),
    "done_linked": ("{number} numaralı başvuru bu başvuruya bağlandı.", "Application {number} was linked to this one."),
    "done_unlinked": (
        "{number} numaralı başvurunun bağlantısı kaldırıldı.",
        "Application {number} is no longer linked to this one.",
    ),
    "done_answered_together": (
        "Başvuru ve bağlı başvurular ({numbers}) cevaplandı; başvuru sahiplerine bildirilecek.",
        "This application and the linked ones ({numbers}) were answered; the applicants will be told.",
    ),
    "done_answered_partly": (
        "Başvuru cevaplandı. Cevaplanamayan bağlı başvurular: {failed}.",
        "This application was answered. Linked applications not answered: {failed}.",
    ),
    "record_title": ("Başvuru kaydet", "Record an application"),
    "record_intro": (
        "Telefonla (Alo 150) veya şahsen yapılan başvuruyu başvuru sahibinin söylediği gibi kaydedin.",
        "Record an application made by phone (Alo 150) or in person, as the applicant gives it.",
    ),
    "recorded_title": ("Başvuru kaydedildi", "Application recorded"),
    "recorded_tell": (
        "Numarayı ve erişim kodunu başvuru sahibine okuyun; erişim kodu bir daha gösterilmez.",
        "Read the number and the access code to the applicant; the access code is not shown again.",
    ),
    "overview_title": ("Genel durum", "Overview"),
    "overview_intro": (
        "Kurumunuzun sorumluluk alanında açık başvurular.",
        "Open applications in your institution's area.",
    ),
    "open": ("Açık", "Open"),
    "total": ("Toplam", "Total"),
    "reports_title": ("Aylık raporlar", "Monthly reports"),
    "period": ("Dönem", "Period"),
    "report_institution": (
        "Kurum kodu (boş: kendi kurumunuz ya da tüm ülke)",
        "Institution code (empty: your own, or the state)",
    ),
    "show": ("Göster", "Show"),
    "download_pdf": ("PDF indir", "Download PDF"),
    "download_csv": ("CSV indir", "Download CSV"),
    "received": ("Gelen", "Received"),
    "answered": ("Cevaplanan", "Answered"),
    "positive_share": ("Olumlu oranı", "Positive share"),
    "median_days": ("Cevap süresi (ortanca, gün)", "Days to answer (median)"),
    "mean_days": ("Cevap süresi (ortalama, gün)", "Days to answer (mean)"),
    "open_at_month_end": ("Ay sonunda açık", "Open at month end"),
    "overdue_at_month_end": ("Ay sonunda süresi geçmiş", "Overdue at month end"),
    "by_kind": ("Türe göre gelen", "Received by kind"),
    "by_subject": ("Konuya göre gelen", "Received by subject"),
    "by_channel": ("Kanala göre gelen", "Received by channel"),
    "count": ("Sayı", "Count"),
    "category": ("Grup", "Group"),
    "chart": ("Grafik", "Chart"),
    "users_title": ("Kullanıcılar", "Users"),
    "roles": ("Roller", "Roles"),
    "filter_institution": ("Kurum koduna göre süz", "Filter by institution code"),
    "active": ("Etkin", "Active"),
    "yes": ("Evet", "Yes"),
    "no": ("Hayır", "No"),
    "create_user": ("Kullanıcı ekle", "Add a user"),
    "disable": ("Devre dışı bırak", "Disable"),
    "enable": ("Etkinleştir", "Enable"),
    "user_saved": ("Kullanıcı kaydedildi.", "User saved."),
    "directory_title": ("Kurum rehberi", "Institution directory"),
    "search": ("Ara", "Search"),
    "search_text": ("Ad veya kod", "Name or code"),
    "type": ("Tür", "Type"),
    "code": ("Kod", "Code"),
    "name": ("Ad", "Name"),
    "parent": ("Üst kurum", "Parent"),
    "create_institution": ("Kurum ekle", "Add an institution"),
    "retire": ("Kapat", "Retire"),
    "reopen": ("Yeniden aç", "Reopen"),
    "institution_saved": ("Kurum kaydedildi.", "Institution saved."),
    # Answer templates (SPEC section 12)
    "nav_answer_templates": ("Cevap şablonları", "Answer templates"),
    "answer_templates_title": ("Cevap şablonları", "Answer templates"),
    "answer_templates_intro": (
        "{institution} görevlileri başvuruları cevaplarken bu şablonlardan birini seçebilir; seçilen şablon "
        "başvurunun bilgileriyle doldurulur ve cevap göndermeden önce düzenlenebilir.",
        "{institution}'s officers may choose one of these templates when answering; it is filled in with the "
        "application's facts and can be edited before the answer is sent.",
    ),
    "answer_templates_empty": ("Henüz şablon yok.", "No templates yet."),
    "answer_template": ("Cevap şablonu", "Answer template"),
    "use_template": ("Şablonu kullan", "Use template"),
    "template_title": ("Şablonun adı", "Template title"),
    "template_body": ("Şablon metni", "Template text"),
    "template_body_hint": (
        "Yer tutucular süslü parantez içinde yazılır, örneğin {basvuru_no}; kullanılabilenler aşağıdadır.",
        "Placeholders are written in braces, for example {tracking_number}; those you can use are listed below.",
    ),
    "any_subject": ("Tüm konular", "Any subject"),
    "create_template": ("Şablon ekle", "Add a template"),
    "edit_template": ("Şablonu düzenle", "Edit the template"),
    "save_template": ("Şablonu kaydet", "Save the template"),
    "edit": ("Düzenle", "Edit"),
    "template_saved": ("Şablon kaydedildi.", "Template saved."),
    "placeholders": ("Yer tutucular", "Placeholders"),
    "placeholder": ("Yer tutucu", "Placeholder"),
    "placeholder_alias": ("İngilizce adı", "Turkish name"),
    "placeholder_meaning": ("Yerine yazılan", "Replaced by"),
    "placeholder_applicant_name": (
        "Başvuru sahibinin adı soyadı; kimliği gizli ya da belirtilmemişse “Başvuru Sahibi”",
        "The applicant's name; “Başvuru Sahibi” (Applicant) when their identity is confidential or not given",
    ),
    "placeholder_tracking_number": ("Başvuru numarası", "The tracking number"),
    "placeholder_received_at": ("Başvurunun alındığı tarih (gg.aa.yyyy)", "The day it was received (dd.mm.yyyy)"),
    "placeholder_today": ("Cevabın yazıldığı gün (gg.aa.yyyy)", "The day the answer is written (dd.mm.yyyy)"),
    "placeholder_deadline": ("Cevap için son gün (gg.aa.yyyy)", "The day the answer is due (dd.mm.yyyy)"),
    "placeholder_institution": ("Cevap veren kurumun adı", "The answering institution's name"),
}

KINDS: dict[str, tuple[str, str]] = {
    "information_request": ("Bilgi edinme başvurusu", "Information request"),
    "petition": ("Dilekçe", "Petition"),
    "ethics_complaint": ("Etik şikâyet", "Ethics complaint"),
    "human_rights": ("İnsan hakları şikâyeti", "Human-rights complaint"),
}
PETITION_TYPES: dict[str, tuple[str, str]] = {
    "request": ("İstek", "Request"),
    "complaint": ("Şikâyet", "Complaint"),
    "denunciation": ("İhbar", "Denunciation"),
    "opinion": ("Görüş", "Opinion"),
    "suggestion": ("Öneri", "Suggestion"),
}
SUBJECTS: dict[str, tuple[str, str]] = {
    "education": ("Eğitim", "Education"),
    "health": ("Sağlık", "Health"),
    "security": ("Kamu düzeni ve güvenlik", "Public order and security"),
    "civil_registry": ("Nüfus ve vatandaşlık", "Population and citizenship"),
    "local_services": ("Belediye ve yerel hizmetler", "Municipal and local services"),
    "transport": ("Ulaşım ve trafik", "Transport and traffic"),
    "environment": ("Çevre, şehircilik ve konut", "Environment, planning and housing"),
    "social_services": ("Sosyal hizmetler ve aile", "Social services and family"),
    "employment": ("Çalışma ve sosyal güvenlik", "Work and social security"),
    "finance": ("Vergi ve kamu maliyesi", "Taxes and public finance"),
    "justice": ("Adalet", "Justice"),
    "agriculture": ("Tarım, orman ve su", "Agriculture, forestry and water"),
    "trade": ("Ticaret ve tüketici hakları", "Trade and consumer rights"),
    "industry": ("Sanayi ve teknoloji", "Industry and technology"),
    "energy": ("Enerji ve madencilik", "Energy and mining"),
    "culture": ("Kültür ve turizm", "Culture and tourism"),
    "youth_sports": ("Gençlik ve spor", "Youth and sports"),
    "foreign_affairs": ("Konsolosluk işleri", "Consular matters"),
    "defence": ("Askerlik", "Military service"),
    "other": ("Diğer", "Other"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "received": ("Alındı", "Received"),
    "assigned": ("İnceleniyor", "Being handled"),
    "answered": ("Cevaplandı", "Answered"),
    "closed": ("Kapandı", "Closed"),
    "forwarded": ("Yönlendirildi", "Forwarded"),
    "returned": ("İade edildi", "Returned"),
    "extended": ("Süre uzatıldı", "Extended"),
    "appealed": ("Kurula itiraz edildi", "Appealed to the board"),
    "answer_ordered": ("Kurul cevap verilmesine karar verdi", "The board ordered an answer"),
}
DECISIONS: dict[str, tuple[str, str]] = {
    "upheld": ("Ret yerinde bulundu", "The refusal stands"),
    "answer_ordered": ("Kurumun cevap vermesine karar verildi", "The institution must answer"),
}
CHANNELS: dict[str, tuple[str, str]] = {
    "web": ("İnternet", "Web"),
    "phone": ("Telefon (Alo 150)", "Phone (Alo 150)"),
    "in_person": ("Şahsen", "In person"),
}
RANKS: dict[str, tuple[str, str]] = {
    "general_director_or_above": ("Genel müdür veya üstü", "General director or above"),
    "below_general_director": ("Genel müdürün altında", "Below general director"),
}
OUTCOMES: dict[str, tuple[str, str]] = {"positive": TEXTS["positive"], "negative": TEXTS["negative"]}
ROLES: dict[str, tuple[str, str]] = {
    "call_centre": ("Alo 150 görevlisi", "Alo 150 officer"),
    "bureau": ("Halkla ilişkiler bürosu", "Public-relations bureau"),
    "officer": ("Kurum görevlisi", "Institution officer"),
    "coordinator": ("Koordinatör", "Coordinator"),
    "board": ("Kurul görevlisi", "Board officer"),
    "admin": ("Yönetici", "Administrator"),
}
INSTITUTION_TYPES: dict[str, tuple[str, str]] = {
    "presidency": ("Cumhurbaşkanlığı", "Presidency"),
    "ministry": ("Bakanlık", "Ministry"),
    "ministry_unit": ("Bakanlık birimi", "Ministry unit"),
    "governorship": ("Valilik", "Governorship"),
    "district_governorship": ("Kaymakamlık", "District governorship"),
    "provincial_directorate": ("İl müdürlüğü", "Provincial directorate"),
    "regional_directorate": ("Bölge müdürlüğü", "Regional directorate"),
    "ethics_board": ("Etik kurulu", "Ethics board"),
    "disciplinary_board": ("Disiplin kurulu", "Disciplinary board"),
    "provincial_hr_board": ("İl insan hakları kurulu", "Provincial human-rights board"),
    "district_hr_board": ("İlçe insan hakları kurulu", "District human-rights board"),
    "hr_presidency": ("İnsan Hakları Başkanlığı", "Human-rights presidency"),
    "information_review_board": ("Bilgi Edinme Değerlendirme Kurulu", "Information review board"),
}

# The API's name of a field → the words of its label, so a form's summary of errors names each field.
FIELD_LABELS: dict[str, str] = {
    "kind": "kind",
    "petition_type": "petition_type",
    "subject": "subject",
    "title": "title",
    "body": "body",
    "province": "province",
    "district": "district",
    "applicant": "identity_legend",
    "applicant.national_id": "national_id",
    "applicant.first_name": "first_name",
    "applicant.last_name": "last_name",
    "applicant.email": "email",
    "applicant.phone": "phone",
    "confidential": "confidential",
    "official": "official_legend",
    "official.name": "official_name",
    "official.rank": "official_rank",
    "official.institution": "official_institution",
    "channel": "channel",
    "tracking_number": "tracking_number",
    "access_code": "access_code",
    "username": "username",
    "password": "password",
    "to_institution": "forward_target",
    "note": "note",
    "outcome": "outcome",
    "text": "answer_text",
    "reason": "reason",
    "decision": "decision",
    "rating": "rating",
    "solved": "solved",
    "comment": "comment",
    "file": "file",
    "institution": "institution",
    "roles": "roles",
    "email": "email",
    "code": "code",
    "name": "name",
    "type": "type",
    "parent": "parent",
}

# Tables the templates look values up in: `name("subjects", "health")`.
VOCABULARIES: dict[str, Mapping[str, tuple[str, str]]] = {
    "kinds": KINDS,
    "petition_types": PETITION_TYPES,
    "subjects": SUBJECTS,
    "statuses": STATUSES,
    "channels": CHANNELS,
    "ranks": RANKS,
    "outcomes": OUTCOMES,
    "roles": ROLES,
    "institution_types": INSTITUTION_TYPES,
    "decisions": DECISIONS,
}


class Words:
    """The page's words in one language, for the templates: `t("kind")`, `name("subjects", code)`."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else "tr"
        self._index = LANGUAGES.index(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[key][self._index]
        return text.format(**values) if values else text

    def field(self, name: str) -> str:
        """The label of the field the API calls `name`, or "" for one no form shows."""
        key = FIELD_LABELS.get(name)
        return self(key) if key else ""

    def name(self, vocabulary: str, code: str | None) -> str:
        if code is None:
            return ""
        entry = VOCABULARIES[vocabulary].get(code)
        return entry[self._index] if entry else code

    def choices(self, vocabulary: str) -> list[tuple[str, str]]:
        return [(code, names[self._index]) for code, names in VOCABULARIES[vocabulary].items()]
