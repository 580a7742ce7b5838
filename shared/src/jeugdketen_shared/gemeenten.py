"""The 14 gemeenten of Twente (Samen14), by their CBS code as used in iJw messages."""

from types import MappingProxyType

TWENTE_GEMEENTEN = MappingProxyType(
    {
        "GM0141": "Almelo",
        "GM0147": "Borne",
        "GM1774": "Dinkelland",
        "GM0153": "Enschede",
        "GM0158": "Haaksbergen",
        "GM0163": "Hellendoorn",
        "GM0164": "Hengelo",
        "GM1735": "Hof van Twente",
        "GM0168": "Losser",
        "GM0173": "Oldenzaal",
        "GM1742": "Rijssen-Holten",
        "GM0183": "Tubbergen",
        "GM1700": "Twenterand",
        "GM0189": "Wierden",
    }
)
