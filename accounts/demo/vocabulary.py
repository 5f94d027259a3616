"""Word lists of the demo data: company names, people, titles, products, campaigns, pages.

Plain data, no database access: the generator draws from these with its seeded
random number generator, so changing a list (or its order) changes the data set.
"""

from __future__ import annotations

from accounts.models import Activity, Campaign, Industry

SITE = "https://www.northwind-cloud.example"
T = Activity.Type


def _words(text: str) -> list[str]:
    return text.split()


NAME_HEADS = _words(
    "Blue Harbor Silver Peak Northwind Red Cedar Iron Gate Bright Path Clear Lake Summit Ridge "
    "Granite Oak Falcon Crest Maple Leaf Golden Gate Stone Bridge Polar Star Evergreen Vertex "
    "Horizon Quantum Apex Beacon Cobalt Crimson Delta Ember Fjord Glacier Harbor Indigo Juniper "
    "Keystone Lumen Meridian Nimbus Onyx Pioneer Quartz Redwood Sapphire Tidal Umber Vantage "
    "Willow Zenith Atlas Boreal Cascade Driftwood Eastgate Foxglove Greenfield Highland Ironwood "
    "Lakeside Marble Northstar Orchard Pinecrest Riverbend Sandstone Timberline Westbrook Aurora "
    "Bluebird Copperfield Dunmore Elmstead Fairview Hawthorne Kingsley Larkspur Mistral Oakridge"
)
NAME_TAILS = _words(
    "Analytics Networks Dynamics Solutions Works Partners Labs Systems Digital Ventures Holdings "
    "Industries Technologies Logic Data Cloud Robotics Energy Health Foods Freight Media Capital "
    "Materials Bio Pharma Retail Telecom Learning Security Software Devices Mobility Metrics Grid"
)
SUFFIXES = ("Inc.", "Ltd.", "GmbH", "Group", "Corp.", "AG", "LLC", "plc", "S.A.", "B.V.", "")
INDUSTRY_WEIGHTS = {
    Industry.SOFTWARE: 16,
    Industry.FINANCIAL_SERVICES: 12,
    Industry.HEALTHCARE: 10,
    Industry.MANUFACTURING: 12,
    Industry.RETAIL: 8,
    Industry.EDUCATION: 5,
    Industry.TELECOMMUNICATIONS: 5,
    Industry.ENERGY: 5,
    Industry.LOGISTICS: 7,
    Industry.MEDIA: 5,
    Industry.PROFESSIONAL_SERVICES: 9,
    Industry.GOVERNMENT: 3,
    Industry.OTHER: 3,
}
# Revenue per employee (USD) and how well the industry fits the product (0-1).
INDUSTRY_PROFILE = {
    Industry.SOFTWARE: (310_000, 0.95),
    Industry.FINANCIAL_SERVICES: (420_000, 0.85),
    Industry.HEALTHCARE: (190_000, 0.7),
    Industry.MANUFACTURING: (260_000, 0.65),
    Industry.RETAIL: (220_000, 0.55),
    Industry.EDUCATION: (110_000, 0.35),
    Industry.TELECOMMUNICATIONS: (380_000, 0.75),
    Industry.ENERGY: (520_000, 0.5),
    Industry.LOGISTICS: (240_000, 0.6),
    Industry.MEDIA: (230_000, 0.55),
    Industry.PROFESSIONAL_SERVICES: (170_000, 0.7),
    Industry.GOVERNMENT: (140_000, 0.3),
    Industry.OTHER: (160_000, 0.4),
}
# country, weight, top-level domain, phone prefix
COUNTRIES = [
    ("United States", 34, "com", "+1"),
    ("United Kingdom", 10, "co.uk", "+44"),
    ("Germany", 9, "de", "+49"),
    ("France", 6, "fr", "+33"),
    ("Canada", 5, "ca", "+1"),
    ("Netherlands", 4, "nl", "+31"),
    ("Sweden", 3, "se", "+46"),
    ("Poland", 3, "pl", "+48"),
    ("Spain", 3, "es", "+34"),
    ("Australia", 4, "com.au", "+61"),
    ("Japan", 4, "jp", "+81"),
    ("Singapore", 3, "sg", "+65"),
    ("India", 5, "in", "+91"),
    ("Brazil", 3, "com.br", "+55"),
    ("Thailand", 2, "co.th", "+66"),
    ("Ireland", 2, "ie", "+353"),
]
FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Sandra Mark Ashley Steven Emily Andrew Michelle Joshua Amanda Kevin Melissa Brian Stephanie "
    "Oliver Amelia Harry Isla Lukas Mia Leon Hanna Jan Zofia Piotr Anna Wei Li Yuki Haruto Aiko "
    "Arjun Priya Rahul Ananya Mateo Lucia Santiago Valentina Lucas Camila Noah Emma Liam Olivia "
    "Ethan Ava Chloe Lea Louis Manon Hugo Ines Somchai Nattaya Kwame Amara Fatima Yusuf Nora Erik"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
    "Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts "
    "Muller Schmidt Schneider Fischer Weber Kowalski Nowak Wisniewski Dubois Moreau Laurent "
    "Rossi Russo Ferrari Tanaka Suzuki Sato Takahashi Chen Wang Zhang Liu Sharma Gupta Singh Iyer "
    "Silva Santos Oliveira Pereira Costa Jansen de-Vries Bakker Andersson Johansson Nilsson "
    "O'Brien Murphy Kelly Walsh Nguyen Tran Kim Park Choi Srisuk Wongsa Mensah Okoye Haddad"
)
DEPARTMENTS = ("Marketing", "Sales", "IT", "Finance", "Operations", "Engineering", "Security")
# seniority -> (weight, title templates by department)
SENIORITY = {
    "c_level": (
        5,
        {
            "Marketing": "Chief Marketing Officer",
            "Sales": "Chief Revenue Officer",
            "IT": "Chief Information Officer",
            "Finance": "Chief Financial Officer",
            "Operations": "Chief Operating Officer",
            "Engineering": "Chief Technology Officer",
            "Security": "Chief Information Security Officer",
        },
    ),
    "vp": (10, "VP of {dept}"),
    "director": (18, "Director of {dept}"),
    "manager": (30, "{dept} Manager"),
    "individual": (37, "{ic}"),
}
IC_TITLES = {
    "Marketing": ("Marketing Specialist", "Demand Generation Analyst", "Content Strategist"),
    "Sales": ("Account Executive", "Sales Development Representative", "Sales Engineer"),
    "IT": ("Systems Administrator", "IT Analyst", "Solutions Architect"),
    "Finance": ("Financial Analyst", "Procurement Specialist", "Accountant"),
    "Operations": ("Operations Analyst", "Project Coordinator", "Business Analyst"),
    "Engineering": ("Software Engineer", "Data Engineer", "DevOps Engineer"),
    "Security": ("Security Analyst", "Compliance Specialist", "Security Engineer"),
}
PRODUCTS = [
    (
        "Cloud Data Platform",
        ["data warehouse", "etl", "analytics", "data lake", "bi dashboards"],
        "A managed warehouse and pipeline service.",
    ),
    (
        "Security Suite",
        ["zero trust", "siem", "endpoint protection", "compliance", "soc 2"],
        "Threat detection and compliance reporting.",
    ),
    (
        "Marketing Automation",
        ["email nurture", "lead scoring", "abm", "campaign orchestration"],
        "Journeys, scoring and account-based campaigns.",
    ),
    (
        "Customer Support Desk",
        ["help desk", "ticketing", "customer service", "knowledge base", "chatbot"],
        "Omnichannel ticketing with a self-service portal.",
    ),
    (
        "Payments API",
        ["payments", "billing", "invoicing", "subscriptions", "pci"],
        "Card, wallet and invoice payments for developers.",
    ),
    (
        "Supply Chain Planner",
        ["demand planning", "inventory", "logistics", "forecasting", "procurement"],
        "Forecasting and inventory planning.",
    ),
]
CAMPAIGN_THEMES = [
    ("Data Modernization Webinar", Campaign.Channel.WEBINAR),
    ("Zero Trust Roadshow", Campaign.Channel.EVENT),
    ("ABM Nurture Sequence", Campaign.Channel.EMAIL),
    ("Cloud Cost Calculator", Campaign.Channel.WEB),
    ("LinkedIn Thought Leadership", Campaign.Channel.SOCIAL),
    ("Retargeting Display", Campaign.Channel.PAID),
    ("Analyst Report Syndication", Campaign.Channel.CONTENT),
    ("Executive Gift Box", Campaign.Channel.DIRECT_MAIL),
    ("Customer Success Summit", Campaign.Channel.EVENT),
    ("Payments Developer Newsletter", Campaign.Channel.EMAIL),
    ("Support Desk Free Trial", Campaign.Channel.WEB),
    ("Supply Chain Resilience eBook", Campaign.Channel.CONTENT),
]
WEB_PAGES = [
    ("/pricing", "Pricing"),
    ("/customers", "Customer stories"),
    ("/contact-sales", "Contact sales"),
    ("/about", "About us"),
    ("/blog/what-is-account-based-marketing", "What is account-based marketing?"),
    ("/blog/zero-trust-in-90-days", "Zero trust in 90 days"),
    ("/blog/choosing-a-data-warehouse", "Choosing a data warehouse"),
    ("/blog/cutting-inventory-costs", "Cutting inventory costs with forecasting"),
    ("/blog/pci-compliance-checklist", "PCI compliance checklist"),
    ("/integrations", "Integrations"),
    ("/security", "Trust and security"),
]
DOCUMENTS = [
    ("Cloud Data Platform datasheet", "datasheet"),
    ("Zero Trust buyer's guide", "ebook"),
    ("Forrester Wave: Marketing Automation", "analyst report"),
    ("Help desk ROI calculator", "calculator"),
    ("Payments API case study: Fintech scale-up", "case study"),
    ("Supply chain forecasting whitepaper", "whitepaper"),
]
FORMS = [
    ("Demo request", "/demo"),
    ("Contact sales", "/contact-sales"),
    ("Whitepaper download", "/resources/download"),
    ("Webinar registration", "/webinars/register"),
    ("Free trial sign-up", "/trial"),
]
EMAIL_SUBJECTS = [
    "Quick question about {company}'s data stack",
    "Ideas for {company}'s security roadmap",
    "{first}, 15 minutes next week?",
    "How peers in {industry} cut costs by 20%",
    "Following up on our conversation",
    "Invitation: customer roundtable",
    "Your {product} trial: next steps",
]
MEETING_SUBJECTS = ["Discovery call", "Product demo", "Technical deep dive", "Pricing review"]
CALL_OUTCOMES = ["connected", "left voicemail", "no answer", "wrong number", "busy"]
TASK_TITLES = {
    "email": "Send follow-up email to {name}",
    "call": "Call {name} about next steps",
    "linkedin": "Connect with {name} on LinkedIn",
    "custom": "Prepare account plan for {company}",
}

# What only a salesperson does: none of it on accounts sales has not worked yet.
SALES_KINDS = {Activity.Type.CALL, Activity.Type.MEETING, Activity.Type.NOTE}

# Activity mix of the random stream (chains and record-driven kinds are added on top).
ACTIVITY_MIX = [
    (T.WEB_VISIT, 30),
    (T.EMAIL_SENT, 22),
    (T.DOCUMENT_VIEWED, 6),
    (T.FORM_SUBMITTED, 3),
    (T.CALL, 7),
    (T.MEETING, 3),
    (T.NOTE, 3),
    (T.EVENT_REGISTERED, 3),
    (T.CAMPAIGN_ADDED, 4),
    (T.CAMPAIGN_REMOVED, 1),
]
